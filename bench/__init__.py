"""The load benchmark (`make bench`) and the settings its servers run with."""
