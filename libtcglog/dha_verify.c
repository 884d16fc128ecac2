/* dha-verify: the service's last step (being written). */
#include "tcglog/dha.h"
