"""Server-rendered pages (the help portal first; the desk and wallboard follow) and their assets."""
