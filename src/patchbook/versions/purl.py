def parse_purl(*a): pass
normalise_name=purl_ecosystem=purl_package=parse_purl
