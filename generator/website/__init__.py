"""The website: certificate files (page, JSON, PDF), the register, lookups and downloads, the
pages made from data/, the MkDocs plugin, and ``certgen build`` that puts them in the output
folder."""
