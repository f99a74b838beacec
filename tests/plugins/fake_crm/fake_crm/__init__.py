"""FakeCRM: a third-party plugin that lives only in the tests."""
