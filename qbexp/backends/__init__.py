"""Step 4 of the pipeline: where circuits run and how runs are persisted.

- :mod:`~qbexp.backends.profiles`: backend profiles (``backends/NAME.toml``), ``load_profile``
- :mod:`~qbexp.backends.executors`: the ``Executor`` interface and ``executor_for(profile, seed)``
- :mod:`~qbexp.backends.aer`: ideal Aer, in this process or on a Dask cluster
- :mod:`~qbexp.backends.ibm`: IBM Quantum and its fake devices (qiskit-ibm-runtime), credentials
- :mod:`~qbexp.backends.submit`: ``run_durably``, ``fetch_pending``, ``run_status``
- :mod:`~qbexp.backends.store`: the run directory

Every call that depends on the Qiskit version lives in this package.
"""
