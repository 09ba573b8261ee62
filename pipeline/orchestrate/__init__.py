"""Running jobs: the stage functions notebooks call, papermill, the warm kernel, pools, Dask."""
