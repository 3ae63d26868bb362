"""The shipped demo data (North Bayreuth OSM extract, GEM coal-mine tracker)."""
