/* placeholder: see include/tcglog/msg.h */
#include "tcglog/error.h"
