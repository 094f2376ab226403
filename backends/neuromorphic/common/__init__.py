"""What the spiking backends share: the kick rule and the LIF discretisation."""
