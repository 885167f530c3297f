//  mt_province - the province-level divisions of GB/T 2260 (the mainland's,
//  Taiwan, Hong Kong, Macau): their codes, English names and capitals, for
//  checking a case's province, naming it, and how far apart two are.

#include "base/mt_province.h"

#include <math.h>
#include <stddef.h>

typedef struct {
    int code;
    const char *name;
    double lat, lon;                //  of the capital
} s_province_t;

static const s_province_t s_provinces [] = {
    { 11, "Beijing", 39.90, 116.40 },      { 12, "Tianjin", 39.13, 117.20 },
    { 13, "Hebei", 38.04, 114.51 },        { 14, "Shanxi", 37.87, 112.55 },
    { 15, "Inner Mongolia", 40.84, 111.75 }, { 21, "Liaoning", 41.80, 123.43 },
    { 22, "Jilin", 43.82, 125.32 },        { 23, "Heilongjiang", 45.80, 126.53 },
    { 31, "Shanghai", 31.23, 121.47 },     { 32, "Jiangsu", 32.06, 118.80 },
    { 33, "Zhejiang", 30.27, 120.16 },     { 34, "Anhui", 31.82, 117.23 },
    { 35, "Fujian", 26.07, 119.30 },       { 36, "Jiangxi", 28.68, 115.86 },
    { 37, "Shandong", 36.65, 117.12 },     { 41, "Henan", 34.75, 113.63 },
    { 42, "Hubei", 30.59, 114.31 },        { 43, "Hunan", 28.23, 112.94 },
    { 44, "Guangdong", 23.13, 113.26 },    { 45, "Guangxi", 22.82, 108.37 },
    { 46, "Hainan", 20.04, 110.35 },       { 50, "Chongqing", 29.56, 106.55 },
    { 51, "Sichuan", 30.66, 104.07 },      { 52, "Guizhou", 26.65, 106.63 },
    { 53, "Yunnan", 25.04, 102.71 },       { 54, "Tibet", 29.65, 91.14 },
    { 61, "Shaanxi", 34.34, 108.94 },      { 62, "Gansu", 36.06, 103.83 },
    { 63, "Qinghai", 36.62, 101.78 },      { 64, "Ningxia", 38.49, 106.23 },
    { 65, "Xinjiang", 43.83, 87.62 },      { 71, "Taiwan", 25.03, 121.57 },
    { 81, "Hong Kong", 22.32, 114.17 },    { 82, "Macau", 22.20, 113.54 },
};

static const s_province_t *
s_province (int code)
{
    for (size_t i = 0; i < sizeof s_provinces / sizeof s_provinces [0]; i++)
        if (s_provinces [i].code == code)
            return &s_provinces [i];
    return NULL;
}

const char *
mt_province_name (int code)
{
    const s_province_t *p = s_province (code);
    return p ? p->name : "unknown";
}

double
mt_province_distance_km (int a, int b)
{
    const s_province_t *p = s_province (a), *q = s_province (b);
    if (!p || !q)
        return -1;
    const double rad = 3.14159265358979323846 / 180;
    double dlat = (q->lat - p->lat) * rad, dlon = (q->lon - p->lon) * rad;
    double h = sin (dlat / 2) * sin (dlat / 2)
             + cos (p->lat * rad) * cos (q->lat * rad) * sin (dlon / 2) * sin (dlon / 2);
    return 2 * 6371 * asin (sqrt (h));
}

bool
mt_province_known (int code)
{
    return code == 0 || s_province (code) != NULL;
}
