/* Where a call was made: carried by every blocking or failing call. */
#ifndef GOKATA_SITE_H
#define GOKATA_SITE_H

#define GK_SITE_PARAMS const char *gk_file, int gk_line, const char *gk_func
#define GK_HERE        __FILE__, __LINE__, __func__

#endif
