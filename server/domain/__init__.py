"""Business rules only the server runs. Pure: no web, storage or delivery library here."""
