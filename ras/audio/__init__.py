"""Audio files: probing, atomic writes, decoding and resampling, level formulas, joining and spectrograms."""
