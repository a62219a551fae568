"""Author preview: `bookforge preview` serves one chapter of one edition as HTML, rebuilt
incrementally on every save (engine.py), watched with watchfiles (watch.py), served over
loopback HTTP with server-sent events (server.py), optionally with a single-chapter PDF
laid out as in the full volume (chapter_pdf.py)."""
