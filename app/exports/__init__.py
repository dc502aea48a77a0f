"""The CSV exports a merchant downloads: rows read a page at a time, cells made safe to open."""
