"""An example spiking plugin: a LIF network in plain numpy, registered as a third party would."""
