"""Activities: recording, the feed, the digest and the export."""
