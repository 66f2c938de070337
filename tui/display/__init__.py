"""The reception and door display: a read-only, full-screen view of a site's spaces."""
