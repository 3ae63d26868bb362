"""Pure spatial logic for GridPatrol: no files, databases, HTTP or maps here."""
