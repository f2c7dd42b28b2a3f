#include "cpci_shim.h"
