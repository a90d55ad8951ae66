"""The multi-process load test: workers racing on shared officers while two dispatchers
send reminders, then a check that the audit log, the officers and the mail agree.

Run it with ``python -m loadtest --size small|full`` (see ``loadtest.run``); the CI
version is ``tests/integration/test_load.py``.
"""
