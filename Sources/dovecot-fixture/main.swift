import TestSupport
print("unimplemented")
