"""The casebook bundle: the project's exchange format for whole trials (docs/spec/contract.md
§3), read (`read`), written (`write`) and dumped (`dump`); `services` is the import's door."""
