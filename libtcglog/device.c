/* The device side of DHA through tss2-esys (being written). */
#include "tcglog/device.h"
