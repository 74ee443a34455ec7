"""A trained spaCy pipeline behind the `classify.decision.Classifier` interface.

`train.train(data, out, seed)` fits it (see train.py); `TrainedClassifier(directory, model_dir)`
loads it (see classifier.py). The rule gazetteer still supplies agency and region evidence.
"""
