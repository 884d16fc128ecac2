/* placeholder: see include/tcglog/ekcert.h */
#include "tcglog/error.h"
