#include "tcglog/events.h"

const char *tcg_event_type_name(uint32_t type)
{
	(void)type;
	return NULL;
}

void tcg_event_decode_yaml(tcg_yaml *y, const tcg_log *log, const tcg_event *e)
{
	(void)log;
	tcg_yaml_hex(y, e->data, e->size);
}
