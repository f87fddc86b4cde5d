"""Hot spot analyses of the database's reports, stored as runs.

* :mod:`gis.hotspots.selection` (database): which reports count, with filters and weights.
* :mod:`gis.hotspots.cube` (pure): monthly time steps, the aligned grid, the study mask.
* :mod:`gis.hotspots.compute` (pure): heat map, Gi* and emerging hot spots of a selection.
* :mod:`gis.hotspots.runs` (database): compute and store ``AnalysisRun`` + ``HotspotCell``
  rows / a COG raster.
* :mod:`gis.hotspots.stored` (database): load runs back as GeoDataFrames / rasters, list
  and compare them.

Geometry is in the storage CRS (TRYGG_SRID, metres). Import the database modules only after
Django is set up (a notebook calls :func:`gis.notebook.setup` first).
"""
