"""Test helpers that ship with svc-launch, so services test the way we do."""
