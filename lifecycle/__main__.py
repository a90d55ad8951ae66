"""``python -m lifecycle`` runs the CLI (the entry point lives in the adapter package)."""

from console.app import main

main()
