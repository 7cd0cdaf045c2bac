"""placeholder replaced by the engine work"""
def register(subparsers):
    pass
