import OptionROM
