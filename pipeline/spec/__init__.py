"""What a run is: the configuration, the reporting period and the run spec built from them."""
