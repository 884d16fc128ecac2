/* placeholder: see include/tcglog/blob.h */
#include "tcglog/error.h"
