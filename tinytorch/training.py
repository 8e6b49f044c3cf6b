"""placeholder: the training helper writes this module"""
def save(*a): raise NotImplementedError
def load(*a): raise NotImplementedError
def clip_grad_norm_(*a): raise NotImplementedError
class Dataset: pass
class TensorDataset: pass
class DataLoader: pass
def random_split(*a): raise NotImplementedError
