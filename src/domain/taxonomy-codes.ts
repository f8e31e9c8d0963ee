// The label codes from taxonomy.md: the contract between prompts, code, data and
// reports. Keep them exactly as written there.

export const TIERS = ['branch', 'enforcement', 'street', 'property', 'none'] as const;
export type Tier = (typeof TIERS)[number];

export const CATEGORY_CODES = [
  'neighbor_dispute',
  'noise',
  'pet',
  'garbage',
  'illegal_parking',
  'illegal_construction',
  'green_occupation',
  'fire_hazard',
  'space_encroachment',
  'facility_repair',
  'property_service',
  'micro_wish',
  'service_request',
  'policy_inquiry',
  'emergency',
  'other_issue',
  'activity_signup',
  'chit_chat',
  'spam',
  'bot_feedback',
] as const;
export type CategoryCode = (typeof CATEGORY_CODES)[number];

export const CATEGORY_NAMES: Readonly<Record<CategoryCode, string>> = {
  neighbor_dispute: '邻里纠纷',
  noise: '噪音扰民',
  pet: '宠物问题',
  garbage: '垃圾与环境卫生',
  illegal_parking: '违停 / 车辆乱停',
  illegal_construction: '违建 / 私搭乱建',
  green_occupation: '毁绿占绿 / 圈地种菜',
  fire_hazard: '消防隐患',
  space_encroachment: '公共空间侵占',
  facility_repair: '设施报修',
  property_service: '物业服务',
  micro_wish: '微心愿 / 微幸福',
  service_request: '服务需求',
  policy_inquiry: '政策咨询',
  emergency: '紧急险情',
  other_issue: '其他诉求',
  activity_signup: '活动报名 / 询问',
  chit_chat: '闲聊问候感谢',
  spam: '广告',
  bot_feedback: '对机器人的意见',
};

export const DEFAULT_TIER: Readonly<Record<CategoryCode, Tier>> = {
  neighbor_dispute: 'branch',
  noise: 'branch',
  pet: 'branch',
  garbage: 'property',
  illegal_parking: 'enforcement',
  illegal_construction: 'enforcement',
  green_occupation: 'enforcement',
  fire_hazard: 'street',
  space_encroachment: 'street',
  facility_repair: 'property',
  property_service: 'property',
  micro_wish: 'branch',
  service_request: 'branch',
  policy_inquiry: 'branch',
  emergency: 'street',
  other_issue: 'branch',
  activity_signup: 'none',
  chit_chat: 'none',
  spam: 'none',
  bot_feedback: 'none',
};
