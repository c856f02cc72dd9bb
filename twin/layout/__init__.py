"""FILE -> MODEL: read a layout safely, expand blocks and includes, build the model."""
