"""The Ray backend: the same TrainingRun in an actor on a cluster, seen by pages like a local run.

`ray_run.RayRun` is the server's side (a page's handle), `actor.RunActor` the worker's, `wire` what
travels between them. Ray is imported only when this backend is chosen.
"""
