# how the model was exported
