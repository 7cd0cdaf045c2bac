"""Step 4 of the pipeline: where circuits run and how runs are persisted.

- :mod:`~qbexp.backends.profiles`: backend profiles (``backends/NAME.toml``), ``load_profile``
- :mod:`~qbexp.backends.executors`: the ``Executor`` interface and ``executor_for(profile, seed)``
- :mod:`~qbexp.backends.aer`: ideal Aer, in this process or on a Dask cluster
- :mod:`~qbexp.backends.ibm`: IBM Quantum and its fake devices (qiskit-ibm-runtime), credentials
- :mod:`~qbexp.backends.submit`: ``run_durably``, ``fetch_pending``, ``run_status``
- :mod:`~qbexp.backends.store`: the run directory (and its in-memory twin)
- :mod:`~qbexp.backends.records`: its manifest, job records and counts files, checked as they are read
- :mod:`~qbexp.backends.qpy_arrays`: Kraus sets and dense unitaries kept once beside a QPY file

Every call that depends on the Qiskit version lives in this package.
"""
