"""Where the ledger, the rules and issuance meet: the one place that calls all three.

`progress` appends entries to a ledger and keeps each enrolment's running state; `rules`
(pure) say what a state earns; `issuance` plans, builds, signs and stores credentials. None of
them knows another's caller: this package appends (`progress.recording.append`), evaluates the
state once (`rules.progress`), issues what is newly earned (`issuance.services.issue_earned`)
and keeps the state with what is now held, all in the caller's transaction. The API, the
console, `ler import` (`workflow.importer`), `ler progress` and the batch runner call it.
"""
