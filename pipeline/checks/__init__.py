"""The data checks: DfE validation rules as Great Expectations suites, and their findings."""
