/*
 * Synthetic pose-track generator (see gen_track.h for the model). Person frame: X forward, Y up,
 * Z toward the person's right, metres, origin on the ground under the mid-hip.
 *
 * Segment lengths are fractions of body height from Winter, "Biomechanics and Motor Control of
 * Human Movement" (4th ed., Fig. 4.1, after Drillis & Contini 1966): thigh 0.245 H, shank 0.246 H,
 * foot length 0.152 H, ankle height 0.039 H, trunk (hip to shoulder) 0.818 - 0.530 = 0.288 H,
 * upper arm 0.186 H, forearm 0.146 H, shoulder width 0.259 H.
 */
#include "gen_track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D2R (GS_PI / 180.0)

/* Everything derived from the parameters once. */
typedef struct body {
    const gs_gen_params *p;
    double T;                 /* stride time, s */
    double Tc[2];             /* contact time per side, s */
    double Lt, Ls, Lf, ax, ay; /* thigh, shank, foot length; ankle offset in the foot frame */
    double hip_w;             /* hip joint half distance */
    double base;              /* pelvis height before oscillation */
} body;

static double smooth(double s)
{
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    return s * s * (3 - 2 * s);
}

void gs_gen_defaults(gs_gen_params *p)
{
    memset(p, 0, sizeof(*p));
    p->walk = 0;
    p->cadence_spm = 170;
    p->contact_ms[0] = p->contact_ms[1] = 250;
    p->strike_deg[0] = p->strike_deg[1] = 12;
    p->toeoff_deg[0] = p->toeoff_deg[1] = 45;
    p->ic_ahead_m[0] = p->ic_ahead_m[1] = 0.22;
    p->crouch_m = 0.04;
    p->clearance_m = 0.30;
    p->trunk_lean_deg = 8;
    p->vert_osc_m = 0.08;
    p->speed_m_s = 3.2;
    p->treadmill = 1;
    p->height_m = 1.75;
    p->step_width_m = 0.08;
    p->arm_swing_deg = 35;
    p->elbow_deg = 85;
    p->view = GS_GEN_SIDE;
    p->direction = 1;
    p->px_per_m = 500;
    p->width = 1920;
    p->height = 1080;
    p->fps = 60;
    p->duration_s = 10;
    p->t_offset_s = 0.123;
    p->seed = 1;
}

void gs_gen_defaults_walk(gs_gen_params *p)
{
    gs_gen_defaults(p);
    p->walk = 1;
    p->cadence_spm = 110;
    p->contact_ms[0] = p->contact_ms[1] = 680; /* 62 % of a 1.09 s stride */
    p->strike_deg[0] = p->strike_deg[1] = 18;
    p->toeoff_deg[0] = p->toeoff_deg[1] = 40;
    p->ic_ahead_m[0] = p->ic_ahead_m[1] = 0.30;
    p->crouch_m = 0.005;
    p->clearance_m = 0.10;
    p->trunk_lean_deg = 3;
    p->vert_osc_m = 0.035;
    p->speed_m_s = 1.2;
    p->arm_swing_deg = 20;
    p->elbow_deg = 20;
}

void gs_gen_defaults_for(gs_gen_params *p, int walk)
{
    if (walk)
        gs_gen_defaults_walk(p);
    else
        gs_gen_defaults(p);
}

/* Foot of one side at gait time g: heel, toe, ankle (X, Y), whether in stance, the phase within
 * stance or swing (0..1). */
typedef struct footst {
    double heel[2], toe[2], ankle[2];
    int stance;
    double ph;
    double sole_low; /* lowest sole point (m above the ground) */
} footst;

static void foot_at1(const body *b, int side, double g, footst *f)
{
    const gs_gen_params *p = b->p;
    double T = b->T, Tc = b->Tc[side], v = p->speed_m_s, Lf = b->Lf;
    double a = p->strike_deg[side] * D2R, th = p->toeoff_deg[side] * D2R, d = p->ic_ahead_m[side];
    double k = floor((g - side * T / 2) / T);
    double tau = g - (k * T + side * T / 2);
    const double s1 = 0.15, s2 = p->walk ? 0.65 : 0.55; /* end of loading roll, heel-off */
    double pitch, xhf = a >= 0 ? d : d + Lf * cos(a) - Lf; /* heel X when flat (ground frame) */

    if (tau < Tc) {
        double s = tau / Tc;
        f->stance = 1;
        f->ph = s;
        if (s < s1) {
            pitch = a * (1 - smooth(s / s1));
            if (a >= 0) {
                f->heel[0] = d;
                f->heel[1] = 0;
                f->toe[0] = d + Lf * cos(pitch);
                f->toe[1] = Lf * sin(pitch);
            } else {
                f->toe[0] = d + Lf * cos(a);
                f->toe[1] = 0;
                f->heel[0] = f->toe[0] - Lf * cos(pitch);
                f->heel[1] = -Lf * sin(pitch);
            }
        } else if (s < s2) {
            pitch = 0;
            f->heel[0] = xhf;
            f->heel[1] = 0;
            f->toe[0] = xhf + Lf;
            f->toe[1] = 0;
        } else {
            pitch = -th * smooth((s - s2) / (1 - s2));
            f->toe[0] = xhf + Lf;
            f->toe[1] = 0;
            f->heel[0] = f->toe[0] - Lf * cos(pitch);
            f->heel[1] = -Lf * sin(pitch);
        }
        /* The ground moves backward relative to the pelvis. */
        f->heel[0] -= v * tau;
        f->toe[0] -= v * tau;
    } else {
        double s = (tau - Tc) / (T - Tc);
        double toe_to = xhf + Lf - v * Tc, heel_to = toe_to - Lf * cos(th);
        double low = 4 * p->clearance_m * s * (1 - s);
        f->stance = 0;
        f->ph = s;
        /* Walking: the foot holds its toe-off pitch for the first 8 % of the swing and reaches
         * its strike angle at 83 %, the median shape of the heel -> foot index line's return on
         * the labelled walks (27 forward swings of walk_side_overground_01/04 and
         * walk_side_multiperson_01, raw landmarks, measured from half a frame before the raters'
         * first frame off: 0.02 of the way at 15 % of the swing, 0.36 at 35 %, 0.67 at 55 %, 0.91
         * at 75 %; docs/events-history.md "Walking toe-offs where the foot stops pitching"). A
         * smoothstep over the whole swing (running) turns back at once. */
        double u = p->walk ? (s - 0.08) / 0.75 : s;
        pitch = -th + (a + th) * smooth(u);
        f->heel[0] = heel_to + (d - heel_to) * (1 - cos(GS_PI * s)) / 2;
        f->heel[1] = pitch >= 0 ? low : low - Lf * sin(pitch);
        f->toe[0] = f->heel[0] + Lf * cos(pitch);
        f->toe[1] = f->heel[1] + Lf * sin(pitch);
    }
    f->ankle[0] = f->heel[0] + b->ax * cos(pitch) - b->ay * sin(pitch);
    f->ankle[1] = f->heel[1] + b->ax * sin(pitch) + b->ay * cos(pitch);
}

/*
 * Second foot model. Rear foot from the heel's sole edge Hb to the MTP joint (72 % of the foot
 * length: the metatarsal heads lie at about 70-75 % of foot length from the heel, Cavanagh &
 * Lafortune's strike-index thirds use the same axis), toes from the MTP joint to the tip. Landmarks
 * off the sole: heel landmark 3 % of a foot length behind and 10 % above Hb, toe landmark 2 %
 * behind and 6 % above the tip (BlazePose marks the back of the heel and the tip of the shoe, not
 * the sole; the offsets are assumptions of this model, not measurements).
 */
#define F2_MTP 0.72
typedef struct foot2 {
    double hb[2], mtp[2], tip[2];
    double pr, pt; /* pitch of rear foot and toes, + toes up */
} foot2;

/* Fills mtp and tip from hb and the pitches. */
static void f2_from_heel(const body *b, foot2 *q)
{
    double Lr = F2_MTP * b->Lf, Lt = (1 - F2_MTP) * b->Lf;
    q->mtp[0] = q->hb[0] + Lr * cos(q->pr);
    q->mtp[1] = q->hb[1] + Lr * sin(q->pr);
    q->tip[0] = q->mtp[0] + Lt * cos(q->pt);
    q->tip[1] = q->mtp[1] + Lt * sin(q->pt);
}

/* Fills mtp and hb from tip and the pitches. */
static void f2_from_tip(const body *b, foot2 *q)
{
    double Lr = F2_MTP * b->Lf, Lt = (1 - F2_MTP) * b->Lf;
    q->mtp[0] = q->tip[0] - Lt * cos(q->pt);
    q->mtp[1] = q->tip[1] - Lt * sin(q->pt);
    q->hb[0] = q->mtp[0] - Lr * cos(q->pr);
    q->hb[1] = q->mtp[1] - Lr * sin(q->pr);
}

/* Phase fractions of stance: foot flat, heel rise, toe roll. Foot flat at about 20 % of stance
 * and heel rise at about half of stance in walking (Perry & Burnfield, Gait Analysis, 2nd ed.,
 * phases: loading response ends at 12 % of the cycle = 19 % of a 62 % stance, terminal stance
 * (heel rise) begins at 31 % = 50 %); running loads faster (chosen 12 % and 45 %). */
static void f2_phases(const gs_gen_params *p, double *s1, double *s2, double *s3)
{
    *s1 = p->walk ? 0.19 : 0.12;
    *s2 = p->walk ? 0.50 : 0.45;
    *s3 = 0.85;
}

/* Stance configuration at stance time tau (0 <= tau <= Tc). */
static void f2_stance(const body *b, int side, double tau, foot2 *q)
{
    const gs_gen_params *p = b->p;
    double Tc = b->Tc[side], v = p->speed_m_s, Lf = b->Lf, s = tau / Tc, s1, s2, s3;
    double a = p->strike_deg[side] * D2R, th = p->toeoff_deg[side] * D2R, d = p->ic_ahead_m[side];
    double xtip0 = a >= 0 ? d + Lf : d + Lf * cos(a); /* tip X once the foot is flat */
    f2_phases(p, &s1, &s2, &s3);
    if (s < s1) {
        /* slap: the pitch keeps its speed at contact, 2a/s1 per unit of stance */
        double u = s / s1;
        q->pr = q->pt = a * (1 - u) * (1 - u);
        if (a >= 0) {
            q->hb[0] = d - v * tau;
            q->hb[1] = 0;
            f2_from_heel(b, q);
            return;
        }
    } else if (s < s2) {
        q->pr = q->pt = 0;
    } else if (s < s3) {
        double u = (s - s2) / (s3 - s2);
        q->pt = 0;
        q->pr = -0.6 * th * u * u;
    } else {
        double u = (s - s3) / (1 - s3);
        q->pr = -0.6 * th - 0.4 * th * u;
        q->pt = -0.5 * th * u * u;
    }
    q->tip[0] = xtip0 - v * tau;
    q->tip[1] = 0;
    f2_from_tip(b, q);
}

/* Hermite cubic from (0, y0, slope m0) to (1, y1, slope m1). */
static double hermite(double s, double y0, double m0, double y1, double m1)
{
    double s2 = s * s, s3 = s2 * s;
    return (2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * m0 + (-2 * s3 + 3 * s2) * y1 +
           (s3 - s2) * m1;
}

static void foot_at2(const body *b, int side, double g, footst *f)
{
    const gs_gen_params *p = b->p;
    double T = b->T, Tc = b->Tc[side], Tsw = T - Tc, Lf = b->Lf;
    double a = p->strike_deg[side] * D2R, th = p->toeoff_deg[side] * D2R;
    double k = floor((g - side * T / 2) / T), tau = g - (k * T + side * T / 2);
    foot2 q;
    if (tau < Tc) {
        f->stance = 1;
        f->ph = tau / Tc;
        f2_stance(b, side, tau, &q);
    } else {
        /* The reference point is the sole point that lands first: the heel edge for a rearfoot
         * or midfoot strike, the toe tip for a forefoot strike. */
        double s = (tau - Tc) / Tsw, v = p->speed_m_s;
        foot2 to, ic;
        int heel_ref = a >= 0;
        f2_stance(b, side, Tc, &to);
        ic.pr = ic.pt = a;
        if (heel_ref) {
            ic.hb[0] = p->ic_ahead_m[side];
            ic.hb[1] = 0;
            f2_from_heel(b, &ic);
        } else { /* toes down: the tip lands where a flat foot's heel edge at ic_ahead would put it */
            ic.tip[0] = p->ic_ahead_m[side] + Lf * cos(a);
            ic.tip[1] = 0;
            f2_from_tip(b, &ic);
        }
        const double *r0 = heel_ref ? to.hb : to.tip, *r1 = heel_ref ? ic.hb : ic.tip;
        /* hang_s > 0: the flight ends hang_s early, hang_m above the landing point and at rest
         * over it; the foot then sinks straight down to it (gen_track.h) */
        double Tfl = Tsw - p->hang_s, sf = fmin(1.0, (tau - Tc) / Tfl), rx, ry;
        double S = smooth(sf);
        f->stance = 0;
        f->ph = s;
        q.pr = -th + (a + th) * S;
        q.pt = -0.5 * th + (a + 0.5 * th) * S;
        if (p->hang_s > 0 && tau - Tc >= Tfl) {
            rx = r1[0];
            ry = r1[1] + p->hang_m * (1 - (tau - Tc - Tfl) / p->hang_s);
        } else if (p->hang_s > 0) {
            rx = hermite(sf, r0[0], -v * Tfl, r1[0], 0);
            ry = hermite(sf, r0[1], p->lift_speed_m_s * Tfl, r1[1] + p->hang_m,
                         -p->land_speed_m_s * Tfl) +
                 16 * p->clearance_m * sf * sf * (1 - sf) * (1 - sf);
        } else {
            /* horizontal: leaves at the belt speed, lands moving back toward the pelvis at
             * retract_frac of it (the foot overshoots forward, then retracts); vertical: lifts
             * at lift_speed, lands at land_speed, with a bump for the clearance */
            rx = hermite(s, r0[0], -v * Tsw, r1[0], -p->retract_frac * v * Tsw);
            ry = hermite(s, r0[1], p->lift_speed_m_s * Tsw, r1[1], -p->land_speed_m_s * Tsw) +
                 16 * p->clearance_m * s * s * (1 - s) * (1 - s);
        }
        if (heel_ref) {
            q.hb[0] = rx;
            q.hb[1] = ry;
            f2_from_heel(b, &q);
        } else {
            q.tip[0] = rx;
            q.tip[1] = ry;
            f2_from_tip(b, &q);
        }
    }
    /* landmarks off the sole (see F2_MTP), ankle as in model 0 from the heel edge */
    f->heel[0] = q.hb[0] + Lf * (-0.03 * cos(q.pr) - 0.10 * sin(q.pr));
    f->heel[1] = q.hb[1] + Lf * (-0.03 * sin(q.pr) + 0.10 * cos(q.pr));
    /* toe_back > 0 (gen_track.h): where BlazePose puts the foot index on real shoes, 0.13-0.4
     * foot lengths behind the tip (docs/events-history.md, measured on four clips). A point on the
     * toes rises as they roll; one on the rear foot (beyond the MTP joint, 0.28 back) with the
     * heel. 0.30 back, the 60 fps clip's place, rises 0.003 / 0.03 / 0.09 foot lengths above its
     * stance level 2 / 1 / 0 frames (60 fps) before the tip leaves, less than the 0.10 / 0.17
     * measured there (this foot's toes roll over the last 15 % of stance only); a point that rises
     * as much sits 0.5 back and rises from mid-stance on, which the measured one does not. */
    if (p->toe_back > 1 - F2_MTP) {
        /* on the rear foot, toe_back - 0.28 foot lengths behind the MTP joint */
        double back = (p->toe_back - (1 - F2_MTP)) * Lf;
        f->toe[0] = q.mtp[0] - back * cos(q.pr) - 0.06 * Lf * sin(q.pr);
        f->toe[1] = q.mtp[1] - back * sin(q.pr) + 0.06 * Lf * cos(q.pr);
    } else {
        double back = p->toe_back > 0 ? p->toe_back : 0.02;
        f->toe[0] = q.tip[0] + Lf * (-back * cos(q.pt) - 0.06 * sin(q.pt));
        f->toe[1] = q.tip[1] + Lf * (-back * sin(q.pt) + 0.06 * cos(q.pt));
    }
    f->ankle[0] = q.hb[0] + b->ax * cos(q.pr) - b->ay * sin(q.pr);
    f->ankle[1] = q.hb[1] + b->ax * sin(q.pr) + b->ay * cos(q.pr);
    f->sole_low = fmin(fmin(q.hb[1], q.mtp[1]), q.tip[1]);
}

static void foot_at(const body *b, int side, double g, footst *f)
{
    if (b->p->foot_model == 1) {
        foot_at2(b, side, g, f);
    } else {
        foot_at1(b, side, g, f);
        f->sole_low = fmin(f->heel[1], f->toe[1]);
    }
}

void gs_gen_use_foot2(gs_gen_params *p)
{
    p->foot_model = 1;
    /* Scenario values, not measurements: a heel landing at 0.5 m/s (walking) or 1 m/s
     * (running), the foot moving back toward the pelvis at 20 % / 60 % of the speed at contact,
     * the toe lifting at 0.5 m/s. */
    p->land_speed_m_s = p->walk ? 0.5 : 1.0;
    p->retract_frac = p->walk ? 0.2 : 0.6;
    p->lift_speed_m_s = 0.5;
}

/* Pelvis oscillation about base: lowest at mid-stance when running, highest when walking. */
static double osc_at(const body *b, double g)
{
    double A = b->p->vert_osc_m, gm = b->Tc[0] / 2;
    double c = cos(2 * GS_PI * (g - gm) / (b->T / 2));
    return b->p->walk ? 0.5 * A * c : -0.5 * A * c;
}

/* Pelvic obliquity (+ left hip higher), trunk lateral lean (+ toward the right). */
static void frontal_at(const body *b, double g, double *obliq, double *lat)
{
    const gs_gen_params *p = b->p;
    footst fl, fr;
    foot_at(b, 0, g, &fl);
    foot_at(b, 1, g, &fr);
    *obliq = 0;
    *lat = 0;
    if (fl.stance) {
        *obliq += p->pelvic_drop_deg[0] * D2R * sin(GS_PI * fl.ph);
        *lat -= p->trunk_lat_deg[0] * D2R * sin(GS_PI * fl.ph);
    }
    if (fr.stance) {
        *obliq -= p->pelvic_drop_deg[1] * D2R * sin(GS_PI * fr.ph);
        *lat += p->trunk_lat_deg[1] * D2R * sin(GS_PI * fr.ph);
    }
}

static double hip_y0(const body *b, double g, int side)
{
    double ob, lat;
    frontal_at(b, g, &ob, &lat);
    return osc_at(b, g) + (side == 0 ? 1 : -1) * b->hip_w * sin(ob);
}

static int body_init(body *b, const gs_gen_params *p)
{
    double H = p->height_m, Lmax;
    memset(b, 0, sizeof(*b));
    b->p = p;
    b->T = 120.0 / p->cadence_spm;
    b->Tc[0] = p->contact_ms[0] / 1000.0;
    b->Tc[1] = p->contact_ms[1] / 1000.0;
    b->Lt = 0.245 * H;
    b->Ls = 0.246 * H;
    b->Lf = 0.152 * H;
    b->ax = 0.2 * b->Lf;
    b->ay = 0.039 * H;
    b->hip_w = 0.05 * H;
    if (b->Tc[0] <= 0 || b->Tc[1] <= 0 || b->Tc[0] >= b->T || b->Tc[1] >= b->T)
        return -1;
    /* Highest pelvis that lets every ankle be reached with the knee just short of straight. */
    Lmax = 0.995 * (b->Lt + b->Ls);
    b->base = 1e9;
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < 800; i++) {
            double g = b->T * i / 800.0;
            footst f;
            foot_at(b, side, g, &f);
            if (fabs(f.ankle[0]) >= Lmax)
                return -1;
            /* the second foot model's swing must clear the ground (its truth depends on it) */
            if (p->foot_model == 1 && !f.stance && f.ph > 1e-6 && !(f.sole_low > 0))
                return -1;
            double lim = f.ankle[1] + sqrt(Lmax * Lmax - f.ankle[0] * f.ankle[0]) -
                         hip_y0(b, g, side);
            if (lim < b->base)
                b->base = lim;
        }
    }
    b->base -= p->crouch_m;
    return 0;
}

/* All 33 landmarks in the person frame at gait time g (pts[k] = X, Y, Z). */
static void body_at(const body *b, double g, double pts[GS_POSE_NKP][3])
{
    const gs_gen_params *p = b->p;
    double H = p->height_m, ob, lat, lean = p->trunk_lean_deg * D2R;
    double yp = b->base + osc_at(b, g);
    double mid_sh[3], dir[3], head[3];

    frontal_at(b, g, &ob, &lat);
    for (int side = 0; side < 2; side++) {
        footst f;
        double sg = side == 0 ? -1 : 1; /* lateral sign: left is -Z */
        double hip[3] = {0, yp + (side == 0 ? 1 : -1) * b->hip_w * sin(ob), sg * b->hip_w};
        double fz, dx, dy, dd, cb, beta, ux, uy, knee[3];

        foot_at(b, side, g, &f);
        fz = sg * p->step_width_m / 2;
        if (!f.stance)
            fz += sg * p->circumduction_m[side] * sin(GS_PI * f.ph);
        dx = f.ankle[0] - hip[0];
        dy = f.ankle[1] - hip[1];
        dd = sqrt(dx * dx + dy * dy);
        cb = (b->Lt * b->Lt + dd * dd - b->Ls * b->Ls) / (2 * b->Lt * dd);
        beta = acos(cb > 1 ? 1 : cb < -1 ? -1 : cb);
        ux = dx / dd;
        uy = dy / dd;
        knee[0] = hip[0] + b->Lt * (ux * cos(beta) - uy * sin(beta));
        knee[1] = hip[1] + b->Lt * (ux * sin(beta) + uy * cos(beta));
        knee[2] = hip[2] + (fz - hip[2]) * b->Lt / (b->Lt + b->Ls);
        if (f.stance)
            knee[2] -= sg * p->valgus_m[side] * sin(GS_PI * f.ph); /* medial = toward 0 */
        memcpy(pts[GS_KP_LEFT_HIP + side], hip, sizeof(hip));
        memcpy(pts[GS_KP_LEFT_KNEE + side], knee, sizeof(knee));
        pts[GS_KP_LEFT_ANKLE + side][0] = f.ankle[0];
        pts[GS_KP_LEFT_ANKLE + side][1] = f.ankle[1];
        pts[GS_KP_LEFT_ANKLE + side][2] = fz;
        pts[GS_KP_LEFT_HEEL + side][0] = f.heel[0];
        pts[GS_KP_LEFT_HEEL + side][1] = f.heel[1];
        pts[GS_KP_LEFT_HEEL + side][2] = fz;
        pts[GS_KP_LEFT_FOOT_INDEX + side][0] = f.toe[0];
        pts[GS_KP_LEFT_FOOT_INDEX + side][1] = f.toe[1];
        pts[GS_KP_LEFT_FOOT_INDEX + side][2] = fz;
    }
    /* Trunk from the mid-hip. */
    dir[0] = sin(lean) * cos(lat);
    dir[1] = cos(lean) * cos(lat);
    dir[2] = sin(lat);
    for (int c = 0; c < 3; c++)
        mid_sh[c] = 0.5 * (pts[GS_KP_LEFT_HIP][c] + pts[GS_KP_RIGHT_HIP][c]) + 0.288 * H * dir[c];
    for (int side = 0; side < 2; side++) {
        double sg = side == 0 ? -1 : 1;
        /* Arms swing opposite to the same-side leg: left arm forward at right IC. */
        double th = p->arm_swing_deg * D2R * cos(2 * GS_PI * (g - (1 - side) * b->T / 2) / b->T);
        double el = p->elbow_deg * D2R;
        double *sh = pts[GS_KP_LEFT_SHOULDER + side], *eb = pts[GS_KP_LEFT_ELBOW + side];
        double *wr = pts[GS_KP_LEFT_WRIST + side];
        sh[0] = mid_sh[0];
        sh[1] = mid_sh[1];
        sh[2] = mid_sh[2] + sg * 0.13 * H;
        eb[0] = sh[0] + 0.186 * H * sin(th);
        eb[1] = sh[1] - 0.186 * H * cos(th);
        eb[2] = sh[2];
        wr[0] = eb[0] + 0.146 * H * sin(th + el);
        wr[1] = eb[1] - 0.146 * H * cos(th + el);
        wr[2] = eb[2];
        for (int h = 0; h < 3; h++) { /* pinky, index, thumb near the wrist */
            double *q = pts[GS_KP_LEFT_PINKY + 2 * h + side];
            q[0] = wr[0] + 0.05 * H * sin(th + el);
            q[1] = wr[1] - 0.05 * H * cos(th + el);
            q[2] = wr[2] + sg * (0.01 - 0.01 * h) * H;
        }
    }
    for (int c = 0; c < 3; c++)
        head[c] = mid_sh[c] + 0.12 * H * dir[c];
    {
        static const double face[11][3] = {
            {0.055, 0.0, 0.0},                                            /* nose */
            {0.05, 0.03, -0.012}, {0.05, 0.03, -0.02}, {0.045, 0.03, -0.03}, /* left eye */
            {0.05, 0.03, 0.012},  {0.05, 0.03, 0.02},  {0.045, 0.03, 0.03},  /* right eye */
            {-0.005, 0.02, -0.045}, {-0.005, 0.02, 0.045},                  /* ears */
            {0.05, -0.02, -0.015},  {0.05, -0.02, 0.015}};                  /* mouth */
        for (int k = 0; k < 11; k++)
            for (int c = 0; c < 3; c++)
                pts[k][c] = head[c] + face[k][c] * H;
    }
}

/* xorshift64* noise source; state lives in the caller. */
static double urand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double nrand(uint64_t *s)
{
    double u1 = urand(s), u2 = urand(s);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2 * log(u1)) * cos(2 * GS_PI * u2);
}

/*
 * The noise measured on the raw landmarks of the six labelled clips (fresh `gaitscope pose` tracks,
 * raw minus the clean-up's output, frames it repaired left out; docs/events-history.md, "Made tracks
 * with the pose model's noise"): robust SD of that residual in leg lengths, feet 0.007-0.013,
 * knees 0.005-0.011, hips 0.004-0.010, shoulders 0.003-0.006; a foot's ankle and heel correlate
 * 0.7-0.98, heel and foot_index 0.5-0.9, the two feet about 0; heavy tails (RMS 1.3-8 x the
 * robust SD). The residual is what the low-pass removes, so the SDs here are the ones whose
 * residual through the same clean-up matches (made 30 fps feet 0.010, 60 fps 0.015, rear 0.011).
 * The residual's autocorrelation (lag 1: -0.15..-0.83 real) is set by the low-pass and hardly
 * moves with the raw noise's own (-0.83 at 30 fps for AR 0, 0.3 and 0.5), so rn_ar1 = 0.3 is a
 * choice, not a measurement.
 */
void gs_gen_use_real_noise(gs_gen_params *p, double scale)
{
    p->rn_sd_ll[0] = 0.022 * scale;
    p->rn_sd_ll[1] = 0.016 * scale;
    p->rn_sd_ll[2] = 0.012 * scale;
    p->rn_ar1 = 0.3;
    p->rn_foot_common = 0.75;
    p->rn_tail_rate = 0.06;
    p->rn_tail_mult = 4;
}

/* One AR(1) step of a unit-variance series. */
static double ar1_step(double prev, double phi, uint64_t *rng)
{
    return phi * prev + sqrt(1 - phi * phi) * nrand(rng);
}

/*
 * Pose-model noise on the picture landmarks (the rn_* parameters): per landmark and axis an AR(1)
 * series; a foot's three landmarks share rn_foot_common of their variance (one series per foot and
 * axis); now and then a wild frame (the whole foot, or one other landmark, rn_tail_mult x the SD).
 * SDs in leg lengths (thigh + shank as drawn), so the noise scales with the picture. Its own random
 * stream: the other parameters' draws do not change.
 */
static void add_real_noise(const body *b, gs_pose_track *t)
{
    const gs_gen_params *p = b->p;
    uint64_t rng = 0xD1B54A32D192ED03ULL ^ ((uint64_t)(p->seed + 1) * 0x9E3779B97F4A7C15ULL);
    double ll = (b->Lt + b->Ls) * p->px_per_m, phi = p->rn_ar1, c = p->rn_foot_common;
    double e[GS_POSE_NKP][2], cf[2][2];
    for (int k = 0; k < GS_POSE_NKP; k++)
        for (int a = 0; a < 2; a++)
            e[k][a] = nrand(&rng);
    for (int sd = 0; sd < 2; sd++)
        for (int a = 0; a < 2; a++)
            cf[sd][a] = nrand(&rng);
    for (int32_t i = 0; i < t->n_frames; i++) {
        gs_pose_frame *f = &t->frames[i];
        double wild_foot[2];
        for (int sd = 0; sd < 2; sd++) {
            wild_foot[sd] = urand(&rng) < p->rn_tail_rate ? p->rn_tail_mult : 1;
            for (int a = 0; a < 2; a++)
                cf[sd][a] = ar1_step(cf[sd][a], phi, &rng);
        }
        for (int k = 0; k < GS_POSE_NKP; k++) {
            int foot = k >= GS_KP_LEFT_ANKLE && k <= GS_KP_RIGHT_FOOT_INDEX;
            int grp = foot ? 0 : (k == GS_KP_LEFT_KNEE || k == GS_KP_RIGHT_KNEE) ? 1 : 2;
            int side = foot ? (k - GS_KP_LEFT_ANKLE) % 2 : 0;
            double wild = foot                               ? wild_foot[side]
                          : urand(&rng) < p->rn_tail_rate ? p->rn_tail_mult
                                                           : 1;
            for (int a = 0; a < 2; a++) {
                double v;
                e[k][a] = ar1_step(e[k][a], phi, &rng);
                v = foot ? sqrt(c) * cf[side][a] + sqrt(1 - c) * e[k][a] : e[k][a];
                v *= wild * p->rn_sd_ll[grp] * ll;
                if (!f->has_kp)
                    continue;
                if (a)
                    f->kp[k].y += (float)v;
                else
                    f->kp[k].x += (float)v;
            }
        }
    }
}

/* Visibility of landmark k for the view (near side clearer; face hidden from behind). */
static float vis_of(const gs_gen_params *p, int k)
{
    int is_face = k <= GS_KP_MOUTH_RIGHT;
    int right = k >= GS_KP_LEFT_SHOULDER ? (k - GS_KP_LEFT_SHOULDER) % 2 : 0;
    if (p->view == GS_GEN_REAR)
        return is_face ? 0.25f : 0.95f;
    if (p->view == GS_GEN_FRONT)
        return 0.95f;
    if (is_face || k < GS_KP_LEFT_SHOULDER)
        return 0.9f;
    return (right == (p->direction > 0)) ? 0.97f : 0.7f; /* near side faces the camera */
}

gs_status gs_gen_track(const gs_gen_params *p, gs_pose_track **out, gs_error *err)
{
    body b;
    gs_pose_track *t = NULL;
    uint64_t rng = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)p->seed * 0x100000001B3ULL);
    double roll = p->roll_deg * D2R, s = p->px_per_m;
    double tc = 0;
    int n = 0, cap;
    gs_status rc;

    *out = NULL;
    if (body_init(&b, p) != 0)
        return gs_fail(err, GS_ERR_ARG, "generator: impossible parameters (reach or timing)");
    cap = (int)(p->duration_s * p->fps * 1.5) + 2;
    rc = gs_pose_track_new(cap, &t, err);
    if (rc != GS_OK)
        return rc;
    t->width = p->width;
    t->height = p->height;
    t->fps = p->fps;
    snprintf(t->source, sizeof(t->source), "synthetic-%s-%s.mp4", p->walk ? "walk" : "run",
             p->view == GS_GEN_SIDE ? (p->direction > 0 ? "side-right" : "side-left")
                                    : p->view == GS_GEN_REAR ? "rear" : "front");
    snprintf(t->model, sizeof(t->model), "synthetic");
    snprintf(t->person_rule, sizeof(t->person_rule), "synthetic");
    while (tc <= p->duration_s && n < cap) {
        gs_pose_frame *f = &t->frames[n];
        double g = tc + p->t_offset_s, pts[GS_POSE_NKP][3];
        int gap = 0;
        for (int i = 0; i < p->n_gaps && i < 4; i++)
            if (tc >= p->gap_t0_s[i] && tc < p->gap_t0_s[i] + p->gap_len_s[i])
                gap = 1;
        f->t_s = tc;
        if (!gap) {
            double tm = tc - p->duration_s / 2, mid_x = 0;
            /* overground: the person's travel less the camera's (the picture's centre) */
            double prog = p->treadmill ? 0
                                       : p->speed_m_s * tm - p->follow_m_s * tm -
                                             0.5 * p->follow_accel_m_s2 * tm * tm;
            body_at(&b, g, pts);
            mid_x = 0.5 * (pts[GS_KP_LEFT_HIP][0] + pts[GS_KP_RIGHT_HIP][0]);
            f->has_kp = 1;
            f->score = 0.99f;
            f->has_world = 1;
            for (int k = 0; k < GS_POSE_NKP; k++) {
                double X = pts[k][0] + prog, Y = pts[k][1], Z = pts[k][2], u, v, z;
                double wx, wy, wz;
                if (p->view == GS_GEN_SIDE) {
                    u = p->direction * X;
                    z = -p->direction * Z;
                    wx = p->direction * (pts[k][0] - mid_x);
                    wz = -p->direction * Z;
                } else if (p->view == GS_GEN_REAR) {
                    u = Z;
                    z = pts[k][0] - mid_x;
                    wx = Z;
                    wz = pts[k][0] - mid_x;
                } else {
                    u = -Z;
                    z = -(pts[k][0] - mid_x);
                    wx = -Z;
                    wz = -(pts[k][0] - mid_x);
                }
                v = -(Y - 0.95 * p->height_m * 0.55); /* image centre at about mid-body */
                if (p->view != GS_GEN_SIDE && p->tilt_deg != 0) {
                    /* camera above and looking down: depth (forward X from behind, backward
                     * from in front) moves a point up the picture; orthographic still */
                    double tl = p->tilt_deg * D2R, depth = p->view == GS_GEN_REAR ? X : -X;
                    v = -((Y - 0.95 * p->height_m * 0.55) * cos(tl) + depth * sin(tl));
                }
                /* a camera moving up or down moves the whole picture the other way */
                v += p->cam_rise_m_s * tm + p->cam_bob_m * sin(2 * GS_PI * p->cam_bob_hz * tm);
                wy = -(Y - b.base);
                /* Camera roll: the whole picture rotated about its centre. */
                double ru = u * cos(roll) - v * sin(roll), rv = u * sin(roll) + v * cos(roll);
                f->kp[k].x = (float)(p->width / 2.0 + s * ru + p->noise_px * nrand(&rng));
                f->kp[k].y = (float)(p->height / 2.0 + s * rv + p->noise_px * nrand(&rng));
                f->kp[k].z = (float)(s * z);
                f->kp[k].vis = vis_of(p, k);
                f->world[k][0] = (float)wx;
                f->world[k][1] = (float)wy;
                f->world[k][2] = (float)wz;
            }
        }
        n++;
        tc += p->vfr ? (0.7 + 0.6 * urand(&rng)) / p->fps : 1.0 / p->fps;
        if (!p->vfr)
            tc = n / p->fps; /* no drift from repeated addition */
    }
    t->n_frames = n;
    if (p->rn_sd_ll[0] > 0 || p->rn_sd_ll[1] > 0 || p->rn_sd_ll[2] > 0)
        add_real_noise(&b, t);
    /* one-frame dropouts as the pose stage fills them: the neighbours' mean, flagged */
    if (p->dropout_every_s > 0) {
        double next = p->dropout_every_s * 0.5;
        for (int i = 1; i + 1 < n; i++) {
            gs_pose_frame *f = &t->frames[i], *a = &t->frames[i - 1], *c = &t->frames[i + 1];
            if (f->t_s < next || !f->has_kp || !a->has_kp || !c->has_kp)
                continue;
            next += p->dropout_every_s;
            for (int k = 0; k < GS_POSE_NKP; k++) {
                double w = (f->t_s - a->t_s) / (c->t_s - a->t_s);
                f->kp[k].x = (float)(a->kp[k].x + w * (c->kp[k].x - a->kp[k].x));
                f->kp[k].y = (float)(a->kp[k].y + w * (c->kp[k].y - a->kp[k].y));
                f->kp[k].z = (float)(a->kp[k].z + w * (c->kp[k].z - a->kp[k].z));
                for (int q = 0; q < 3; q++)
                    f->world[k][q] = (float)(a->world[k][q] + w * (c->world[k][q] - a->world[k][q]));
            }
            f->flags |= GS_POSE_FLAG_GAP_FILLED;
        }
    }
    *out = t;
    return GS_OK;
}

int gs_gen_events(const gs_gen_params *p, gs_gen_event *ev, int cap)
{
    body b;
    int n = 0;
    if (body_init(&b, p) != 0)
        return 0;
    /* Events in gait time g = t + t_offset; IC of side s at k T + s T / 2. */
    for (int k = -1; k * b.T <= p->duration_s + p->t_offset_s + b.T; k++) {
        for (int side = 0; side < 2; side++) {
            for (int type = 0; type < 2; type++) {
                double g = k * b.T + side * b.T / 2 + (type ? b.Tc[side] : 0);
                double t = g - p->t_offset_s;
                if (t < 0 || t > p->duration_s)
                    continue;
                if (n < cap) {
                    int j = n;
                    while (j > 0 && ev[j - 1].t_s > t) { /* insertion sort by time */
                        ev[j] = ev[j - 1];
                        j--;
                    }
                    ev[j].side = side;
                    ev[j].type = type;
                    ev[j].t_s = t;
                }
                n++;
            }
        }
    }
    return n;
}

static double ang(double x, double y)
{
    return atan2(x, y) / D2R;
}

void gs_gen_truth(const gs_gen_params *p, double t, int side, gs_gen_angles *a)
{
    body b;
    double P[GS_POSE_NKP][3];
    footst f;
    int h = GS_KP_LEFT_HIP + side, k = GS_KP_LEFT_KNEE + side, an = GS_KP_LEFT_ANKLE + side;
    int he = GS_KP_LEFT_HEEL + side, to = GS_KP_LEFT_FOOT_INDEX + side;
    int oh = GS_KP_LEFT_HIP + (1 - side);
    double mh[3], ms[3], sg = side == 0 ? -1 : 1;

    memset(a, 0, sizeof(*a));
    if (body_init(&b, p) != 0)
        return;
    body_at(&b, t + p->t_offset_s, P);
    foot_at(&b, side, t + p->t_offset_s, &f);
    for (int c = 0; c < 3; c++) {
        mh[c] = 0.5 * (P[GS_KP_LEFT_HIP][c] + P[GS_KP_RIGHT_HIP][c]);
        ms[c] = 0.5 * (P[GS_KP_LEFT_SHOULDER][c] + P[GS_KP_RIGHT_SHOULDER][c]);
    }
    /* Sagittal (X forward, Y up). */
    a->trunk_lean = ang(ms[0] - mh[0], ms[1] - mh[1]);
    a->thigh = ang(P[k][0] - P[h][0], P[h][1] - P[k][1]);
    a->shank = ang(P[an][0] - P[k][0], P[k][1] - P[an][1]);
    a->knee_flexion = a->thigh - a->shank;
    a->hip_flexion = a->thigh + a->trunk_lean;
    a->foot = atan2(P[to][1] - P[he][1], P[to][0] - P[he][0]) / D2R;
    a->ankle_df = a->foot - a->shank;
    /* Frontal (lateral coordinate m = medial direction of this leg = -sg * Z, Y up). */
    a->pelvic_drop = atan2(P[h][1] - P[oh][1], fabs(P[h][2] - P[oh][2])) / D2R;
    {
        double tx = -sg * (P[k][2] - P[h][2]), ty = P[k][1] - P[h][1];   /* thigh, medial + */
        double sx = -sg * (P[an][2] - P[k][2]), sy = P[an][1] - P[k][1]; /* shank */
        /* Valgus: thigh heads medially, shank back laterally: angle between them. */
        a->knee_fppa = (atan2(tx, -ty) - atan2(sx, -sy)) / D2R;
        {
            /* Pelvis normal: perpendicular to the hip line, pointing down. */
            double px = -sg * (P[oh][2] - P[h][2]), py = P[oh][1] - P[h][1];
            double nx = py, ny = -px; /* rotate the hip line -90 deg (points down for px > 0) */
            if (ny > 0) {
                nx = -nx;
                ny = -ny;
            }
            a->hip_adduction = (atan2(tx, -ty) - atan2(nx, -ny)) / D2R;
        }
    }
    a->trunk_lateral = atan2(sg * (ms[2] - mh[2]), ms[1] - mh[1]) / D2R; /* + toward side */
    a->in_contact = f.stance;
}
