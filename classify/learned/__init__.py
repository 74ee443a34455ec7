"""The classifier in force: linear models over noise-robust n-grams, stacked with the directory's
gazetteer, and a learned decision over candidate (agency type, region) pairs.

- `facts.py`: what one message says, read once (gazetteer and place mentions with where they
  stand, cue scores, report numbers, the rules' kind) — pure data.
- `text.py`: hashed word and character n-grams with learned IDF weights.
- `linear.py`: a fitted linear model as plain arrays (saved without pickle).
- `candidates.py`: the feature rows of every agency type and every region of one message.
- `classifier.py`: `LearnedClassifier`, the `classify.decision.Classifier` of a model folder.
- `train.py`: out-of-fold stacking, calibration and the auto-route threshold.
"""
