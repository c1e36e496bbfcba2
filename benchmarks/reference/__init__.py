"""Implementations written for the benchmarks only: what a user would
otherwise pick (the keras.io train_step examples, a PyTorch loop), on the
same networks, batch size and data as the zoo's recipes."""
