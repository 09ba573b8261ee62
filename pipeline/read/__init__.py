"""Reading inputs as councils export them: 903 returns (CSV, Excel, XML), DfE tables."""
