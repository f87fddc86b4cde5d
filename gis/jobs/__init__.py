"""Analyses as jobs: the nightly batch of every municipality's heat map, hot spots, emerging hot
spots and ranking on dask.distributed, and the recompute page's background task (django-tasks).

Both run the one plain function :func:`gis.jobs.analyses.run_analysis` of (municipality code,
analysis), which records its run (:class:`gis.jobs.models.JobRun`) and skips an analysis whose
inputs are unchanged since its last successful run.
"""
