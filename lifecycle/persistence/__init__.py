"""The only package that imports SQLAlchemy: tables, the database handle, repositories."""
