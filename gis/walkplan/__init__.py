"""Planning safety walks through what residents have said: candidate stops, a route along the
streets, the printable plan and the public results of a walk."""
