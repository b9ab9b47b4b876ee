"""Virtual evaluations: would an evaluation of the scheme have seen a harm of a given size?

``arms`` simulates a pool of practices both staying on QOF and switching (with a known
injected harm); ``panel`` turns what was measured into the practice-by-quarter data an
evaluator would have had, true values beside them; ``design`` draws evaluations from the
pool; ``analysis`` analyses each as published evaluations do (statsmodels); ``power``
summarises; ``figures`` and ``section`` draw and write; ``run`` ties them together for
``qofsim evaluate``.
"""
