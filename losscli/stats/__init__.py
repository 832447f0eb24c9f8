"""Statistics of uncertainty: resampling weights, confidence intervals and paired tests.

Pure functions and small mergeable states over numpy arrays; scipy (distributions) is
imported lazily, inside the functions that need it.  Nothing here knows about files,
tasks or the registry: :mod:`losscli.scoring` and :mod:`losscli.report` call in.
"""
