"""A run: one Trainer that trains while pages watch it, on a thread here or in a Ray actor.

`runner.TrainingRun` trains in a background thread and publishes immutable snapshots; `backend`
picks where runs train (threads by default, a Ray cluster when configured) behind one protocol,
`RunHandle`; `cluster/` is the Ray backend.
"""
