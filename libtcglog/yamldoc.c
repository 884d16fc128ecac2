/* placeholder: see include/tcglog/yamldoc.h */
#include "tcglog/error.h"
