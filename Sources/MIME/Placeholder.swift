// The MIME target: see issue 3.
